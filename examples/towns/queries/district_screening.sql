-- source: hazards
-- description: 全区企业主体排查（家次）
-- returns: row
SELECT COUNT(*) AS screenings
FROM screening
WHERE screened_on >= :period_start AND screened_on < :period_end

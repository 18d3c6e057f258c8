-- source: hazards
-- description: 本街镇企业主体排查：家次、涉及企业、重点领域
-- returns: row
-- per: town
SELECT COUNT(*) AS screenings,
       COUNT(DISTINCT enterprise_id) AS enterprises,
       COUNT(DISTINCT domain) AS domains
FROM screening
WHERE screened_on >= :period_start AND screened_on < :period_end
  AND town = :unit

-- source: disaster
-- description: 落实的防汛物资储备点位（区镇级、村居级）
-- returns: row
SELECT COALESCE(SUM(CASE WHEN tier IN ('区级', '镇级') THEN 1 ELSE 0 END), 0) AS district_town,
       COALESCE(SUM(CASE WHEN tier = '村居' THEN 1 ELSE 0 END), 0) AS village
FROM storage_point
WHERE confirmed_on >= :period_start AND confirmed_on < :period_end

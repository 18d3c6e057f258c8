-- source: hazards
-- description: 本街镇电动自行车充电设施“非改直”：纳入台账和完成改造的居民小区
-- returns: row
-- per: town
SELECT COUNT(*) AS communities,
       COALESCE(SUM(CASE WHEN converted_on < :period_end THEN 1 ELSE 0 END), 0) AS converted
FROM ebike_community
WHERE listed_on >= :period_start AND listed_on < :period_end
  AND town = :unit

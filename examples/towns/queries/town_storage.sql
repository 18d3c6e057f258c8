-- source: disaster
-- description: 本街镇年度落实的防汛物资储备点位（处）
-- returns: scalar
-- per: town
SELECT COUNT(*) AS points
FROM storage_point
WHERE confirmed_on >= :period_start AND confirmed_on < :period_end
  AND town = :unit

-- source: disaster
-- description: 本街镇灾害信息员参加培训（人次、人）
-- returns: row
-- per: town
SELECT COUNT(*) AS trainings, COUNT(DISTINCT officer_id) AS officers
FROM info_officer_training
WHERE trained_on >= :period_start AND trained_on < :period_end
  AND town = :unit

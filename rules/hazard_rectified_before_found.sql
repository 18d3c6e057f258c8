-- source: hazards
-- description: 整改日期早于发现日期的隐患（整改率会因此虚高）
SELECT id, enterprise_id, found_on, rectified_on
FROM hazard
WHERE found_on >= :period_start AND found_on < :period_end
  AND rectified_on < found_on

-- source: office
-- description: 行政诉讼开庭次数及行政机关负责人出庭次数
-- returns: row
SELECT COUNT(*) AS hearings,
       COALESCE(SUM(head_appeared), 0) AS head_appeared
FROM court_appearance
WHERE heard_on >= :period_start AND heard_on < :period_end

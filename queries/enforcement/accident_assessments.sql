-- source: enforcement
-- description: 生产安全事故后评估：评估的事故责任单位、排查的隐患及已整改数
-- returns: row
SELECT COUNT(DISTINCT a.enterprise_id) AS enterprises,
       COUNT(h.id) AS hazards,
       COALESCE(SUM(CASE WHEN h.rectified_on < :period_end THEN 1 ELSE 0 END), 0) AS rectified
FROM accident_assessment a
LEFT JOIN assessment_hazard h ON h.assessment_id = a.id
WHERE a.assessed_on >= :period_start AND a.assessed_on < :period_end

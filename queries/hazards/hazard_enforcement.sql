-- source: hazards
-- description: 责令停产停业、约谈惩戒、处罚的单位数及罚款金额（元）
-- returns: row
SELECT COUNT(DISTINCT CASE WHEN action_type = '责令停产停业' THEN enterprise_id END) AS suspended,
       COUNT(DISTINCT CASE WHEN action_type = '约谈惩戒' THEN enterprise_id END) AS interviewed,
       COUNT(DISTINCT CASE WHEN action_type = '行政处罚' THEN enterprise_id END) AS penalised,
       COALESCE(SUM(CASE WHEN action_type = '行政处罚' THEN fine_amount ELSE 0 END), 0) AS fines
FROM enforcement_action
WHERE acted_on >= :period_start AND acted_on < :period_end

-- source: office
-- description: 信访属实件奖励给付：件数和奖金（元）
-- returns: row
SELECT COUNT(DISTINCT petition_id) AS petitions,
       COALESCE(SUM(amount), 0) AS amount
FROM petition_reward
WHERE paid_on >= :period_start AND paid_on < :period_end

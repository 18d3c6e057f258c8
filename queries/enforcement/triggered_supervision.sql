-- source: enforcement
-- description: 处理的触发式监管事件（家次）
-- returns: scalar
SELECT COUNT(*) AS handled
FROM triggered_supervision
WHERE handled_on >= :period_start AND handled_on < :period_end

-- source: office
-- description: 选拔培育的应急科普推广大使及获市级称号人数
-- returns: row
SELECT COUNT(*) AS ambassadors,
       COALESCE(SUM(CASE WHEN honour IS NOT NULL THEN 1 ELSE 0 END), 0) AS honoured
FROM science_ambassador
WHERE selected_on >= :period_start AND selected_on < :period_end

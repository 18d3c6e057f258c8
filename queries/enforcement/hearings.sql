-- source: enforcement
-- description: 召开听证会次数
-- returns: scalar
SELECT COUNT(*) AS hearings
FROM hearing
WHERE held_on >= :period_start AND held_on < :period_end

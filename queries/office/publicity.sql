-- source: office
-- description: 普法宣传活动：场次、参与人次、发放宣传资料份数
-- returns: row
SELECT COUNT(*) AS events,
       COALESCE(SUM(participants), 0) AS participants,
       COALESCE(SUM(materials), 0) AS materials
FROM publicity_event
WHERE held_on >= :period_start AND held_on < :period_end

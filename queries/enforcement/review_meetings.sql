-- source: enforcement
-- description: 召开案审会次数
-- returns: scalar
SELECT COUNT(*) AS meetings
FROM review_meeting
WHERE held_on >= :period_start AND held_on < :period_end

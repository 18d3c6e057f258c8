-- source: office
-- description: 局党委理论学习中心组和扩大会议专题学习次数
-- returns: scalar
SELECT COUNT(*) AS sessions
FROM study_session
WHERE session_kind IN ('中心组学习', '中心组扩大学习')
  AND held_on >= :period_start AND held_on < :period_end

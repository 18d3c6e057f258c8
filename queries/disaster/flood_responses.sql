-- source: disaster
-- description: 防汛防台预警响应：启动次数和累计时长（小时）
-- returns: row
SELECT COUNT(*) AS responses,
       COALESCE(SUM(duration_hours), 0) AS hours
FROM warning_response
WHERE started_at >= :period_start AND started_at < :period_end

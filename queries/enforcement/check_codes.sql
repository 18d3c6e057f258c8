-- source: enforcement
-- description: 涉企检查发送“检查码”及企业评议满意情况
-- returns: row
SELECT COUNT(*) AS sent,
       COALESCE(SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END), 0) AS rated,
       COALESCE(SUM(CASE WHEN rating IN ('满意', '基本满意') THEN 1 ELSE 0 END), 0) AS satisfied
FROM check_code
WHERE sent_at >= :period_start AND sent_at < :period_end

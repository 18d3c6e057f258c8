-- source: enforcement
-- description: 完成安全状态“画像”的生产经营单位数
-- returns: row
SELECT COUNT(DISTINCT enterprise_id) AS enterprises,
       COUNT(*) AS profiles
FROM risk_profile
WHERE profiled_on >= :period_start AND profiled_on < :period_end

-- source: enforcement
-- description: 推荐的安全生产信用标杆企业数
-- returns: scalar
SELECT COUNT(DISTINCT enterprise_id) AS enterprises
FROM credit_recommendation
WHERE recommended_on >= :period_start AND recommended_on < :period_end

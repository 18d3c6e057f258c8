-- source: enforcement
-- description: 审核企业及个人合规行为次数
-- returns: row
SELECT COUNT(*) AS reviews,
       COALESCE(SUM(CASE WHEN subject_type = '企业' THEN 1 ELSE 0 END), 0) AS enterprise_reviews,
       COALESCE(SUM(CASE WHEN subject_type = '个人' THEN 1 ELSE 0 END), 0) AS individual_reviews
FROM compliance_review
WHERE reviewed_on >= :period_start AND reviewed_on < :period_end

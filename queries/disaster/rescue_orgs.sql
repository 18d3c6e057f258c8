-- source: disaster
-- description: 审核通过的民非救援组织
-- returns: row
SELECT COUNT(*) AS reviewed,
       COALESCE(SUM(CASE WHEN result = '通过' THEN 1 ELSE 0 END), 0) AS approved
FROM rescue_org_application
WHERE reviewed_on >= :period_start AND reviewed_on < :period_end

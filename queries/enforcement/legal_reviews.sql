-- source: enforcement
-- description: 法制审核的案件数和出具的法制审核意见书份数
-- returns: row
SELECT COUNT(DISTINCT case_id) AS cases,
       COUNT(*) AS opinions
FROM legal_review
WHERE reviewed_on >= :period_start AND reviewed_on < :period_end

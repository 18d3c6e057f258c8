-- source: enforcement
-- description: 集体讨论的重大行政处罚案件和轻微免罚案件数
-- returns: row
SELECT COUNT(DISTINCT CASE WHEN discussion_type = '重大行政处罚' THEN case_no END) AS major_cases,
       COUNT(DISTINCT CASE WHEN discussion_type = '轻微免罚' THEN case_no END) AS light_cases
FROM collective_discussion
WHERE discussed_on >= :period_start AND discussed_on < :period_end

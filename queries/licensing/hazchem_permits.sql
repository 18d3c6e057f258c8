-- source: licensing
-- description: 危险化学品经营许可：受理、审批通过、全程网办、按时办结、首次办理成功件数
-- returns: row
SELECT COUNT(*) AS received,
       COALESCE(SUM(CASE WHEN decision = '准予许可' THEN 1 ELSE 0 END), 0) AS approved,
       COALESCE(SUM(CASE WHEN channel = '全程网办' THEN 1 ELSE 0 END), 0) AS online,
       COALESCE(SUM(CASE WHEN decided_on <= due_on THEN 1 ELSE 0 END), 0) AS on_time,
       COALESCE(SUM(CASE WHEN decided_on IS NOT NULL AND correction_count = 0 THEN 1 ELSE 0 END), 0) AS first_pass
FROM permit_application
WHERE permit_type = '危险化学品经营许可'
  AND received_on >= :period_start AND received_on < :period_end

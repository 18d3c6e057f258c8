-- source: office
-- description: 人民来信来访：受理、办结、属实件数
-- returns: row
SELECT COUNT(*) AS received,
       COALESCE(SUM(CASE WHEN closed_on < :period_end THEN 1 ELSE 0 END), 0) AS closed,
       COALESCE(SUM(substantiated), 0) AS substantiated
FROM petition
WHERE received_on >= :period_start AND received_on < :period_end

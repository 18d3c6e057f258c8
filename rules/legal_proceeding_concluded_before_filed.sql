-- source: office
-- description: 审结日期早于立案日期的行政复议、诉讼
SELECT id, case_no, proceeding_kind, filed_on, concluded_on
FROM legal_proceeding
WHERE filed_on >= :period_start AND filed_on < :period_end
  AND concluded_on < filed_on

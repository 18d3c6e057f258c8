-- source: enforcement
-- description: 消除隐患数多于发现隐患数的检查记录
SELECT id, inspection_no, enterprise_name, inspected_on, hazards_found, hazards_cleared
FROM inspection
WHERE inspected_on >= :period_start AND inspected_on < :period_end
  AND hazards_cleared > hazards_found

-- source: enforcement
-- description: 全年执法检查：出动执法人员、检查企业、重点监管企业、发现和消除隐患
-- returns: row
SELECT COUNT(*) AS inspections,
       COALESCE(SUM(officer_count), 0) AS officer_trips,
       COUNT(DISTINCT CASE WHEN is_key_enterprise = 1 THEN enterprise_id END) AS key_enterprises,
       COALESCE(SUM(hazards_found), 0) AS hazards_found,
       COALESCE(SUM(hazards_cleared), 0) AS hazards_cleared
FROM inspection
WHERE inspected_on >= :period_start AND inspected_on < :period_end

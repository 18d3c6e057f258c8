-- source: enforcement
-- description: 分行业领域执法检查：检查家次、出动人次、发现和消除隐患
-- returns: rows
SELECT industry,
       COUNT(*) AS inspections,
       COALESCE(SUM(officer_count), 0) AS officer_trips,
       COALESCE(SUM(hazards_found), 0) AS hazards_found,
       COALESCE(SUM(hazards_cleared), 0) AS hazards_cleared
FROM inspection
WHERE inspected_on >= :period_start AND inspected_on < :period_end
GROUP BY industry
ORDER BY COUNT(*) DESC, industry

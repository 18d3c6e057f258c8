-- source: hazards
-- description: 街镇名录（企业主体排查记录中出现的街镇）及类别
-- returns: rows
SELECT town AS name,
       CASE WHEN town LIKE '%街道' THEN '街道' WHEN town LIKE '%镇' THEN '镇' ELSE '园区' END AS kind
FROM screening
GROUP BY town
ORDER BY town

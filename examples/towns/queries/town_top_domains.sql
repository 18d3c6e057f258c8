-- source: hazards
-- description: 本街镇排查家次最多的三个重点领域
-- returns: rows
SELECT domain, COUNT(*) AS screenings
FROM screening
WHERE screened_on >= :period_start AND screened_on < :period_end
  AND town = :unit
GROUP BY domain
ORDER BY COUNT(*) DESC, domain
LIMIT 3

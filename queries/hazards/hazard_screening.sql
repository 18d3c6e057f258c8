-- source: hazards
-- description: 安全生产治本攻坚：排查企业主体家次、发现和整改隐患、重大事故隐患
-- returns: row
SELECT s.screenings, h.found, h.rectified, h.major, h.major_rectified
FROM (SELECT COUNT(*) AS screenings
      FROM screening
      WHERE screened_on >= :period_start AND screened_on < :period_end) s
CROSS JOIN
     (SELECT COUNT(*) AS found,
             COALESCE(SUM(CASE WHEN rectified_on < :period_end THEN 1 ELSE 0 END), 0) AS rectified,
             COALESCE(SUM(is_major), 0) AS major,
             COALESCE(SUM(CASE WHEN is_major = 1 AND rectified_on < :period_end THEN 1 ELSE 0 END), 0) AS major_rectified
      FROM hazard
      WHERE found_on >= :period_start AND found_on < :period_end) h

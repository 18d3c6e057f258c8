-- source: hazards
-- description: 进博会安全保障：巡查轮次、出动人员（人次）、排查并整改的隐患
-- returns: row
SELECT COUNT(*) AS rounds,
       COALESCE(SUM(officer_count), 0) AS officer_trips,
       COALESCE(SUM(safety_manager_count), 0) AS safety_manager_trips,
       COALESCE(SUM(patrol_staff_count), 0) AS patrol_staff_trips,
       COALESCE(SUM(hazards_found), 0) AS hazards_found,
       COALESCE(SUM(hazards_rectified), 0) AS hazards_rectified
FROM ciie_patrol
WHERE patrolled_on >= :period_start AND patrolled_on < :period_end

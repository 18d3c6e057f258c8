-- source: hazards
-- description: 电动自行车治理：清理僵尸车、检测锂电池（辆）
-- returns: row
SELECT z.zombie_bikes, b.batteries_tested
FROM (SELECT COUNT(*) AS zombie_bikes
      FROM ebike_zombie_removal
      WHERE removed_on >= :period_start AND removed_on < :period_end) z
CROSS JOIN
     (SELECT COUNT(*) AS batteries_tested
      FROM ebike_battery_test
      WHERE tested_on >= :period_start AND tested_on < :period_end) b

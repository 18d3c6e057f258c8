-- source: disaster
-- description: 本街镇年度备案的救援队伍（支）和队员（人）
-- returns: row
-- per: town
SELECT COUNT(*) AS teams, COALESCE(SUM(member_count), 0) AS members
FROM rescue_team
WHERE filed_on >= :period_start AND filed_on < :period_end
  AND town = :unit

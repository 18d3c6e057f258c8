-- source: disaster
-- description: 救援队伍：区镇村三级抢险队伍及人数、行业性专业救援队伍、社会救援队伍
-- returns: row
SELECT COALESCE(SUM(CASE WHEN team_category = '防汛抢险' THEN 1 ELSE 0 END), 0) AS flood_teams,
       COALESCE(SUM(CASE WHEN team_category = '防汛抢险' THEN member_count ELSE 0 END), 0) AS flood_members,
       COALESCE(SUM(CASE WHEN team_category = '行业专业' THEN 1 ELSE 0 END), 0) AS industry_teams,
       COALESCE(SUM(CASE WHEN team_category = '社会救援' THEN 1 ELSE 0 END), 0) AS social_teams
FROM rescue_team
WHERE filed_on >= :period_start AND filed_on < :period_end

-- source: disaster
-- description: 参加全市培训的灾害信息员人数、获全国个人奖的信息员人数
-- returns: row
SELECT t.trained, a.national_awards
FROM (SELECT COUNT(DISTINCT officer_id) AS trained
      FROM info_officer_training
      WHERE trained_on >= :period_start AND trained_on < :period_end) t
CROSS JOIN
     (SELECT COUNT(DISTINCT officer_id) AS national_awards
      FROM info_officer_award
      WHERE award_level = '国家级' AND award_kind = '个人'
        AND awarded_on >= :period_start AND awarded_on < :period_end) a

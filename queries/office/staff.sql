-- source: office
-- description: 年度人员统计：在编在岗、持行政执法证、通过国家司法考试、公职律师人数
-- returns: row
SELECT COALESCE(SUM(in_post), 0) AS in_post,
       COALESCE(SUM(CASE WHEN in_post = 1 THEN enforcement_certified ELSE 0 END), 0) AS certified,
       COALESCE(SUM(CASE WHEN in_post = 1 THEN judicial_exam_passed ELSE 0 END), 0) AS judicial_exam,
       COALESCE(SUM(CASE WHEN in_post = 1 THEN public_lawyer ELSE 0 END), 0) AS public_lawyers
FROM staff_roster
WHERE snapshot_on = (SELECT MAX(snapshot_on)
                     FROM staff_roster
                     WHERE snapshot_on >= :period_start AND snapshot_on < :period_end)

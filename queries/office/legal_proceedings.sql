-- source: office
-- description: 被提起的行政复议、行政诉讼，未审结的一审案件，纠错或败诉案件
-- returns: row
SELECT COALESCE(SUM(CASE WHEN proceeding_kind = '行政复议' THEN 1 ELSE 0 END), 0) AS reconsiderations,
       COALESCE(SUM(CASE WHEN proceeding_kind = '行政诉讼' THEN 1 ELSE 0 END), 0) AS lawsuits,
       COALESCE(SUM(CASE WHEN proceeding_kind = '行政诉讼' AND instance = '一审'
                          AND (concluded_on IS NULL OR concluded_on >= :period_end) THEN 1 ELSE 0 END), 0) AS pending_first_instance,
       COALESCE(SUM(CASE WHEN outcome IN ('撤销', '变更', '确认违法', '责令履行')
                          AND concluded_on < :period_end THEN 1 ELSE 0 END), 0) AS corrected_or_lost
FROM legal_proceeding
WHERE filed_on >= :period_start AND filed_on < :period_end

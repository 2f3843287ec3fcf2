"""The findings' district-grain counts (``FindingDayStat``) kept by triggers on the findings table.

The findings' counts are kept by the database in the writing transaction: three statement-level triggers on
``compliance_finding`` (INSERT, UPDATE, DELETE; ``INSERT … ON CONFLICT DO UPDATE`` fires the first two) read the
statement's transition tables and add, per (district, day, rule, status), the new rows and subtract the old ones
with one upsert sorted by its key (two writers lock the rows they share in the same order: no deadlock; additions
commute, so concurrent writers leave exact counts). An UPDATE that changes none of the counted columns (a sweep
that only moves ``last_seen``) adds nothing. Where a row that left a group held the group's earliest
``first_seen``, the earliest is read again from the findings (the (rule, district, period_start) index); that
statement runs after the upsert has locked the group's row, with a snapshot of its own, so it sees every
writer that held the row before. TRUNCATE empties the counts. The backfill counts the findings already there.
"""

from django.db import migrations

#: one statement's rows as changes to their groups: ``{rows}`` (a transition table, or the changed rows of one)
#: counted with ``{sign}`` (1 or -1)
DELTA = """
    SELECT district_id, period_start, rule_id, status, {sign} * count(*),
        {first_seen}, {sign} * sum(status_changed_at - first_seen)
    FROM {rows} GROUP BY 1, 2, 3, 4
"""
#: the groups' rows take the changes, locked in the order of their key
UPSERT = """
    INSERT INTO dashboards_findingdaystat AS s (district_id, date, rule_id, status, findings, first_seen_min,
        rectify_total)
    SELECT d.district_id, d.period_start, d.rule_id, d.status, sum(d.n), min(d.first_seen), sum(d.rectify)
    FROM ({deltas}) AS d (district_id, period_start, rule_id, status, n, first_seen, rectify)
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (district_id, date, rule_id, status) DO UPDATE SET
        findings = s.findings + EXCLUDED.findings,
        first_seen_min = LEAST(s.first_seen_min, EXCLUDED.first_seen_min),
        rectify_total = s.rectify_total + EXCLUDED.rectify_total;
"""
#: a group that lost the finding holding its earliest ``first_seen`` reads its earliest again (dated, undated)
RECOMPUTE = """
    UPDATE dashboards_findingdaystat s SET first_seen_min = (
        SELECT min(f.first_seen) FROM compliance_finding f
        WHERE f.rule_id = s.rule_id AND f.district_id = s.district_id AND f.period_start = s.date
            AND f.status = s.status)
    FROM (SELECT district_id, period_start, rule_id, status, min(first_seen) AS gone FROM {rows}
          WHERE period_start IS NOT NULL GROUP BY 1, 2, 3, 4) g
    WHERE s.district_id = g.district_id AND s.date = g.period_start AND s.rule_id = g.rule_id
        AND s.status = g.status AND g.gone <= s.first_seen_min;
    UPDATE dashboards_findingdaystat s SET first_seen_min = (
        SELECT min(f.first_seen) FROM compliance_finding f
        WHERE f.rule_id = s.rule_id AND f.district_id = s.district_id AND f.period_start IS NULL
            AND f.status = s.status)
    FROM (SELECT district_id, rule_id, status, min(first_seen) AS gone FROM {rows}
          WHERE period_start IS NULL GROUP BY 1, 2, 3) g
    WHERE s.district_id = g.district_id AND s.date IS NULL AND s.rule_id = g.rule_id
        AND s.status = g.status AND g.gone <= s.first_seen_min;
"""
COUNTED = "district_id, period_start, rule_id, status, first_seen, status_changed_at"
#: the rows of an UPDATE whose counted columns changed, before (``o``) or after (``n``) it
CHANGED = (
    "(SELECT {side}.* FROM dash_old o JOIN dash_new n ON n.id = o.id "
    f"WHERE (o.{COUNTED.replace(', ', ', o.')}) IS DISTINCT FROM (n.{COUNTED.replace(', ', ', n.')})) AS changed"
)
PLUS = {"sign": "1", "first_seen": "min(first_seen)"}
MINUS = {"sign": "-1", "first_seen": "NULL::timestamptz"}


def _upsert(*deltas: str) -> str:
    return UPSERT.format(deltas=" UNION ALL ".join(deltas))


FORWARD = f"""
CREATE OR REPLACE FUNCTION dashboards_findingdaystat_apply() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_upsert(DELTA.format(rows="dash_new", **PLUS))}
    ELSIF TG_OP = 'DELETE' THEN
        {_upsert(DELTA.format(rows="dash_old", **MINUS))}
        {RECOMPUTE.format(rows="dash_old")}
    ELSE
        {_upsert(DELTA.format(rows=CHANGED.format(side="n"), **PLUS), DELTA.format(rows=CHANGED.format(side="o"), **MINUS))}
        {RECOMPUTE.format(rows=CHANGED.format(side="o"))}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION dashboards_findingdaystat_truncate() RETURNS trigger AS $$
BEGIN
    DELETE FROM dashboards_findingdaystat;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS dashboards_findingdaystat_insert ON compliance_finding;
CREATE TRIGGER dashboards_findingdaystat_insert AFTER INSERT ON compliance_finding
    REFERENCING NEW TABLE AS dash_new
    FOR EACH STATEMENT EXECUTE FUNCTION dashboards_findingdaystat_apply();
DROP TRIGGER IF EXISTS dashboards_findingdaystat_update ON compliance_finding;
CREATE TRIGGER dashboards_findingdaystat_update AFTER UPDATE ON compliance_finding
    REFERENCING OLD TABLE AS dash_old NEW TABLE AS dash_new
    FOR EACH STATEMENT EXECUTE FUNCTION dashboards_findingdaystat_apply();
DROP TRIGGER IF EXISTS dashboards_findingdaystat_delete ON compliance_finding;
CREATE TRIGGER dashboards_findingdaystat_delete AFTER DELETE ON compliance_finding
    REFERENCING OLD TABLE AS dash_old
    FOR EACH STATEMENT EXECUTE FUNCTION dashboards_findingdaystat_apply();
DROP TRIGGER IF EXISTS dashboards_findingdaystat_truncate ON compliance_finding;
CREATE TRIGGER dashboards_findingdaystat_truncate AFTER TRUNCATE ON compliance_finding
    FOR EACH STATEMENT EXECUTE FUNCTION dashboards_findingdaystat_truncate();

-- the findings already there
{_upsert(DELTA.format(rows="compliance_finding", **PLUS))}
"""
BACKWARD = """
DROP TRIGGER IF EXISTS dashboards_findingdaystat_insert ON compliance_finding;
DROP TRIGGER IF EXISTS dashboards_findingdaystat_update ON compliance_finding;
DROP TRIGGER IF EXISTS dashboards_findingdaystat_delete ON compliance_finding;
DROP TRIGGER IF EXISTS dashboards_findingdaystat_truncate ON compliance_finding;
DROP FUNCTION IF EXISTS dashboards_findingdaystat_apply();
DROP FUNCTION IF EXISTS dashboards_findingdaystat_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0004_district_grain_findings_afterschool"),
        ("compliance", "0011_notice_reminders"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

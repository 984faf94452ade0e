-- Every entry stored before rules versions were recorded was applied by version 1, the column's
-- default. A column added with a constant default rewrites no rows (PostgreSQL 11 and later).
CREATE TABLE "session_snapshots" (
	"meeting_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"rules_version" integer NOT NULL,
	"state" json NOT NULL,
	"hash" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "session_snapshots_meeting_id_rules_version_seq_pk" PRIMARY KEY("meeting_id","rules_version","seq")
);
--> statement-breakpoint
ALTER TABLE "session_events" ADD COLUMN "rules_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "session_snapshots" ADD CONSTRAINT "session_snapshots_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;
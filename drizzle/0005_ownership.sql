CREATE TABLE "live_owners" (
	"resource" text PRIMARY KEY NOT NULL,
	"epoch" integer NOT NULL,
	"process" text NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL
);

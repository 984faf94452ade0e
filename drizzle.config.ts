import { defineConfig } from 'drizzle-kit';

// Only used to generate migrations (`npm run db:generate`); Mend applies them itself at start-up.
export default defineConfig({
	dialect: 'postgresql',
	schema: './src/lib/server/db/schema.ts',
	out: './drizzle'
});

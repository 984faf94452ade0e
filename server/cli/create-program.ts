import { parseArgs } from 'node:util';
import { createProgram } from '#lib/server/programs/create-program.ts';
import { isAppError } from '#lib/server/errors.ts';
import { boot } from '../boot.ts';
import { ConfigError, loadConfig } from '../config.ts';

/**
 * npm run program:create -- --slug lakeside --name "Lakeside Program" \
 *   --time-zone America/Denver --admin-name "Ana Admin" --admin-email ana@lakeside.example
 *
 * Uses the same settings as the server (DATABASE_URL or DATA_DIR); with the embedded database,
 * run it while the server is stopped (PGlite takes one process at a time).
 */
const { values } = parseArgs({
	options: {
		slug: { type: 'string' },
		name: { type: 'string' },
		'time-zone': { type: 'string' },
		currency: { type: 'string' },
		'contact-email': { type: 'string' },
		'contact-phone': { type: 'string' },
		'admin-name': { type: 'string' },
		'admin-email': { type: 'string' }
	}
});

try {
	const { deps, close } = await boot({ ...loadConfig(), logLevel: 'warn' });
	try {
		const { program, adminPassword } = await createProgram(deps.db, {
			slug: values.slug,
			name: values.name,
			timeZone: values['time-zone'],
			currency: values.currency,
			contactEmail: values['contact-email'],
			contactPhone: values['contact-phone'],
			adminName: values['admin-name'],
			adminEmail: values['admin-email']
		});
		console.log(`Created program "${program.name}" at /staff/${program.slug}`);
		console.log(
			adminPassword
				? `Admin ${values['admin-email']} — temporary password: ${adminPassword}`
				: `Admin ${values['admin-email']} already had an account; added as admin.`
		);
	} finally {
		await close();
	}
} catch (error) {
	if (error instanceof ConfigError) console.error(error.message);
	else if (isAppError(error))
		console.error(
			`Not created: ${Object.entries(error.fields ?? {})
				.map(
					([field, message]) =>
						`--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${message}`
				)
				.join('; ')}`
		);
	else throw error;
	process.exitCode = 1;
}

import { error } from '@sveltejs/kit';
import { agreementPdf } from '#lib/server/agreements/agreement-pdf.ts';
import { getDeps } from '#lib/server/deps.ts';
import { HTTP_STATUS, isAppError } from '#lib/server/errors.ts';
import { credentialsOf } from '#lib/server/kit/json.ts';
import type { RequestHandler } from './$types';

/** The signed agreement's PDF, as a download, for the case's parties and staff. */
export const GET: RequestHandler = async (event) => {
	try {
		const { bytes, fileName } = await agreementPdf(
			getDeps(),
			credentialsOf(event),
			event.params.agreementId
		);
		return new Response(bytes, {
			headers: {
				'content-type': 'application/pdf',
				'content-disposition': `attachment; filename="${fileName}"`,
				'cache-control': 'private, no-store'
			}
		});
	} catch (caught) {
		if (isAppError(caught)) error(HTTP_STATUS[caught.code], caught.message);
		throw caught;
	}
};

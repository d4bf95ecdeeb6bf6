// Reading what the callback answered, through ali-oss.
/**
 * The callback's answer from an upload's result. ali-oss JSON-parses the body OSS passed
 * through (lib/object.js put); a callback answering XML, which OSS allows, makes that
 * throw a SyntaxError after the object was stored and the callback accepted it. That is
 * a success with an unreadable answer, never a reason to upload again.
 */
export async function callbackAnswer(upload: Promise<{ data?: unknown }>): Promise<unknown> {
  try {
    return (await upload).data;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

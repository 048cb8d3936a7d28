// A worker that can never start, to test what the pool does with calls waiting for it.
throw new Error('fixture cannot start');

console.log(`OUT: js pre runs when the job starts with message=${process.env.INPUT_MESSAGE}`);

console.log(`OUT: js post runs at the end of the job with message=${process.env.INPUT_MESSAGE}`);

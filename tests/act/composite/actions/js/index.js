const fs = require('fs');
const message = process.env.INPUT_MESSAGE;
console.log(`OUT: js got message=${message} with_space=${process.env.INPUT_WITH_SPACE}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `echoed=${message}\n`);

// node-postgres logging in through the gateway with a password: node scram_login.js port ca|- user password database bind
// Prints "db <name>" on success, "refused <sqlstate> <message>" when the server refuses, "failed <message>" otherwise.
const fs = require('fs');
const { Client } = require('pg');

const [port, ca, user, password, database, bind] = process.argv.slice(2);
const client = new Client({
  host: 'localhost', port: Number(port), user, password, database,
  ssl: ca === '-' ? false : { ca: fs.readFileSync(ca), servername: 'localhost' },
  enableChannelBinding: bind === 'bind',
  connectionTimeoutMillis: 5000,
});

client.connect()
  .then(() => client.query('select current_database() as db'))
  .then((result) => { console.log('db ' + result.rows[0].db); return client.end(); })
  .catch((e) => { console.log(e.code ? 'refused ' + e.code + ' ' + e.message : 'failed ' + e.message); process.exitCode = 1; });

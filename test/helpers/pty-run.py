"""Runs a command on a pseudo-terminal, answering prompts as a person would, and prints what the terminal showed.

Usage: pty-run.py STEPS_JSON COMMAND [ARG...]
STEPS_JSON is a list of [regex, text]: each waits (in order) for the regex in the output after the previous match,
then types the text. Exits with the command's exit code, or 99 (with the step on stderr) when a step never matched
within 120 s.
"""
import json
import os
import pty
import re
import select
import sys
import time

steps = json.loads(sys.argv[1])
command = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

output = b''
position = 0
step = 0
deadline = time.time() + 120
failed = None
while True:
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        output += data
    if step < len(steps):
        match = re.compile(steps[step][0]).search(output.decode('utf8', 'replace'), position)
        if match:
            position = match.end()
            os.write(fd, steps[step][1].encode())
            step += 1
            deadline = time.time() + 120
    if time.time() > deadline:
        failed = steps[step][0] if step < len(steps) else '(the command to end)'
        os.kill(pid, 9)
        break

_, status = os.waitpid(pid, 0)
sys.stdout.write(output.decode('utf8', 'replace'))
if failed is not None:
    sys.stderr.write(f'pty-run: waited 120 s for {failed}\n')
    sys.exit(99)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 98)

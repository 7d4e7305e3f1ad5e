"""README.md as the tests read it: its fenced blocks with the heading each sits under, the
output a block shows, its prose, code spans and paragraphs (tests/test_readme.py runs the
blocks; tests/test_readme_names.py checks the files, commands and names it gives)."""
import pathlib
import re
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


@dataclass
class Block:
    heading: str     # the '## ...' line the block sits under
    language: str
    code: str
    line: int        # README's line of the opening fence
    after: str       # README's text from the closing fence to the next block
    end: int         # where in README the block's closing fence ends


def readme_blocks() -> list[Block]:
    """README's fenced blocks, in order, each with the heading it sits under."""
    text = README.read_text()
    matches = list(re.finditer(r"^```(\w*)\n(.*?)^```\n", text, re.M | re.S))
    blocks, heading = [], ""
    for match, following in zip(matches, matches[1:] + [None]):
        before = text[blocks[-1].end if blocks else 0:match.start()]
        headings = re.findall(r"^#{1,2} .*", before, re.M)
        heading = headings[-1] if headings else heading
        blocks.append(Block(heading, match.group(1), match.group(2),
                            text.count("\n", 0, match.start()) + 1,
                            text[match.end():following.start() if following else len(text)],
                            match.end()))
    return blocks


def python_blocks() -> list[Block]:
    return [block for block in readme_blocks() if block.language == "python"]


def your_own_names(block: Block) -> set[str]:
    """The names a block's comment says are the reader's own ('# model, x and y are your
    own: ...')."""
    said = re.search(r"^# (.+?) (?:is|are) your own\b", block.code, re.M)
    if said is None:
        return set()
    return set(re.split(r", | and ", said.group(1)))


def shown_output(block: Block):
    """The script README names right after `block` ('run with `python first.py`') and the
    ```text block that follows, what it prints; or None."""
    blocks = readme_blocks()
    following = blocks[[b.line for b in blocks].index(block.line) + 1:][:1]
    script = re.search(r"`python (\S+\.py)`", block.after)
    if not following or following[0].language != "text" or script is None:
        return None
    return script.group(1), following[0].code


def scripts_readme_writes() -> set[str]:
    """The files README has the reader save its blocks as ('first.py')."""
    return {shown_output(block)[0] for block in python_blocks() if shown_output(block)}


def prose() -> str:
    """README without its fenced blocks' code."""
    return re.sub(r"^```\w*\n.*?^```\n", "", README.read_text(), flags=re.M | re.S)


def spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def paragraphs() -> list[str]:
    """README's prose in paragraphs and list items, as a reader takes each in."""
    return [part for paragraph in re.split(r"\n\s*\n", prose())
            for part in re.split(r"\n(?=- )", paragraph)]

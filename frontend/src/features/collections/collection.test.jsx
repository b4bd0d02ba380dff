import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import CollectionPage, { filtersFrom, paramsFrom } from "./CollectionPage.jsx";

const page = (items) => new Response(JSON.stringify({ items, total: items.length, page: 1, page_size: 20, next: null, previous: null }), { status: 200 });

function Address() {
  const location = useLocation();
  return <p data-testid="address">{location.search}</p>;
}

function renderAt(url) {
  return render(
    <MemoryRouter initialEntries={[url]}>
      <Routes><Route path="/collection" element={<><CollectionPage /><Address /></>} /></Routes>
    </MemoryRouter>,
  );
}

describe("collection list", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("keeps filters, sort and page in the address", async () => {
    expect(filtersFrom(new URLSearchParams("search=sal&difficulty=advanced&sort=difficulty&page=3")))
      .toEqual({ search: "sal", difficulty: "advanced", sort: "difficulty", page: 3 });
    expect(paramsFrom({ search: "", difficulty: null, sort: "-created_at", page: 1 })).toEqual({});
    const fetchMock = vi.fn(async () => page([]));
    vi.stubGlobal("fetch", fetchMock);
    renderAt("/collection?sort=difficulty&page=2");
    expect(await screen.findByLabelText("Sort")).toHaveValue("difficulty");
    expect(fetchMock.mock.calls[0][0]).toContain("sort=difficulty");
    expect(fetchMock.mock.calls[0][0]).toContain("page=2");
    await userEvent.selectOptions(screen.getByLabelText("Difficulty"), "advanced");
    expect(screen.getByTestId("address")).toHaveTextContent("?difficulty=advanced&sort=difficulty");
  });

  it("says when a search finds nothing, rather than inviting a first choreography", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => page([])));
    renderAt("/collection?search=hammerlock");
    expect(await screen.findByText(/No choreography matches “hammerlock”/)).toBeInTheDocument();
    expect(screen.queryByText(/Make your first/)).not.toBeInTheDocument();
  });
});
